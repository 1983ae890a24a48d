import ChatIcon from '@mui/icons-material/Chat';
import { SessionList } from './SessionList';
import { SessionShow } from './SessionShow';

export default { list: SessionList, show: SessionShow, icon: ChatIcon };
