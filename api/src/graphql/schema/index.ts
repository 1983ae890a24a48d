import { builder } from '../builder';
import './user';
import './persona';
import './session';
import './events';

export const schema = builder.toSchema({ sortSchema: true });
